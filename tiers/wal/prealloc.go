package wal

import (
	"errors"
	"fmt"
	"path/filepath"
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

// preallocator creates the next segment ahead of the flusher, on its own goroutine, so that
// rotation costs the flusher a file switch, not a 64 MiB zero-fill and three syncs.
type preallocator struct {
	fs   FS
	dir  string
	size int64
	req  chan uint64   // cap 1: the flusher asks for segment n
	res  chan spare    // cap 1: the preallocator answers
	quit chan struct{} // closed by stop
	done chan struct{} // closed when the goroutine exits
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
			f, err := createSegment(p.fs, p.dir, n, p.size, zeros, p.quit)
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
