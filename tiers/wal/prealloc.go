package wal

import (
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"syscall"
)

// zeroChunk is the size of each zero-filling write.
const zeroChunk = 1 << 20

// errStopped is returned by createSegment when the log is closing.
var errStopped = errors.New("wal: preallocation stopped")

// spare is a preallocated segment handed from the preallocator to the flusher.
type spare struct {
	num uint64
	f   File
	err error
}

// maxFree is the number of deleted segments kept for reuse.
const maxFree = 4

// preallocator makes the next segment ahead of the flusher, on its own goroutine, so that
// rotation costs the flusher a file switch, not a zero-fill and its syncs. It reuses a
// segment that checkpoints freed when it has one (a rename and a directory sync: the stale
// frames inside carry the old segment number and cannot validate), and otherwise creates and
// zero-fills a new one. Zero-filling doubles the bytes the disk takes while the log grows;
// recycling makes a log whose consumers keep up write each byte once.
type preallocator struct {
	fs   FS
	dir  string
	size int64
	req  chan uint64   // cap 1: the flusher asks for segment n
	res  chan spare    // cap 1: the preallocator answers
	quit chan struct{} // closed by stop
	done chan struct{} // closed when the goroutine exits

	mu   sync.Mutex
	free []string // names of *.free files of the right size, oldest first
}

// addFree offers the deleted segment at path (already renamed to its free name) for reuse; it
// reports false if the pool is full, and the caller removes the file instead.
func (p *preallocator) addFree(name string) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.free) >= maxFree {
		return false
	}
	p.free = append(p.free, name)
	return true
}

// freeRoom reports how many more files the pool takes.
func (p *preallocator) freeRoom() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return maxFree - len(p.free)
}

func (p *preallocator) popFree() (string, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.free) == 0 {
		return "", false
	}
	name := p.free[0]
	p.free = append(p.free[:0], p.free[1:]...)
	return name, true
}

func newPreallocator(fsys FS, dir string, size int64) *preallocator {
	p := &preallocator{
		fs: fsys, dir: dir, size: size,
		req: make(chan uint64, 1), res: make(chan spare, 1),
		quit: make(chan struct{}), done: make(chan struct{}),
	}
	go p.loop()
	return p
}

func (p *preallocator) loop() {
	defer close(p.done)
	zeros := make([]byte, zeroChunk)
	for {
		select {
		case n := <-p.req:
			f, err := p.recycle(n)
			if f == nil && err == nil {
				f, err = createSegment(p.fs, p.dir, n, p.size, zeros, p.quit)
			}
			if errors.Is(err, errStopped) {
				return
			}
			p.res <- spare{num: n, f: f, err: err} // cap 1 and one request at a time: never blocks
		case <-p.quit:
			return
		}
	}
}

// stop ends the goroutine and closes a spare that was made but not taken. The spare's file
// stays on disk, zero-filled under its final name: the next Open uses it.
func (p *preallocator) stop() {
	close(p.quit)
	<-p.done
	select {
	case s := <-p.res:
		if s.f != nil {
			s.f.Close()
		}
	default:
	}
}

// recycle renames a free segment to segment n. It returns nil, nil if there is none.
func (p *preallocator) recycle(n uint64) (File, error) {
	name, ok := p.popFree()
	if !ok {
		return nil, nil
	}
	from, to := filepath.Join(p.dir, name), filepath.Join(p.dir, segmentName(n))
	if err := p.fs.Rename(from, to); err != nil {
		return nil, failure("rename", from, err)
	}
	if err := p.fs.SyncDir(p.dir); err != nil {
		return nil, failure("fsync directory", p.dir, err)
	}
	f, err := p.fs.Open(to)
	if err != nil {
		return nil, failure("open", to, err)
	}
	return f, nil
}

// createSegment creates segment num in dir: a temporary file zero-filled to size and synced,
// then renamed into place, then the directory synced. A crash at any point leaves either no
// segment num or a complete zero-filled one (and perhaps a temporary file that Open removes).
// quit, if not nil, stops the zero-filling early with errStopped.
func createSegment(fsys FS, dir string, num uint64, size int64, zeros []byte, quit <-chan struct{}) (File, error) {
	final := filepath.Join(dir, segmentName(num))
	tmp := final + tmpSuffix
	f, err := fsys.Create(tmp)
	if err != nil {
		return nil, failure("create", tmp, err)
	}
	fail := func(err error) (File, error) {
		f.Close()
		fsys.Remove(tmp)
		return nil, err
	}
	for off := int64(0); off < size; off += int64(len(zeros)) {
		if quit != nil {
			select {
			case <-quit:
				return fail(errStopped)
			default:
			}
		}
		chunk := zeros[:min(int64(len(zeros)), size-off)]
		if _, err := f.WriteAt(chunk, off); err != nil {
			return fail(failure("zero-fill", tmp, err))
		}
	}
	if err := f.Sync(); err != nil {
		return fail(failure("fdatasync", tmp, err))
	}
	if err := fsys.Rename(tmp, final); err != nil {
		return fail(failure("rename", tmp, err))
	}
	if err := fsys.SyncDir(dir); err != nil {
		f.Close()
		return nil, failure("fsync directory", dir, err)
	}
	return f, nil
}

// failure wraps an I/O error as the error that poisons the log.
func failure(op, name string, err error) error {
	if errors.Is(err, syscall.ENOSPC) {
		return fmt.Errorf("%w: %w: %s %s: %w", ErrFailed, ErrNoSpace, op, name, err)
	}
	return fmt.Errorf("%w: %s %s: %w", ErrFailed, op, name, err)
}

// waitSpare blocks until the preallocator has the next segment ready, if it was asked for one.
// For measurements that should not include Open's first zero-fill; it must not race with a
// rotation, so call it before appending.
func (l *Log) waitSpare() {
	if !l.spareAsked {
		return
	}
	sp := <-l.pre.res
	l.pre.res <- sp
}
