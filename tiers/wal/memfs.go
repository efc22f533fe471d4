package wal

import (
	"fmt"
	"io"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sort"
	"sync"
)

// Op names a file-system operation for MemFS fault hooks.
type Op uint8

// The operations a MemFS hook sees.
const (
	OpCreate Op = iota
	OpOpen
	OpWrite
	OpRead
	OpSync
	OpSyncDir
	OpRename
	OpRemove
)

var opNames = [...]string{"create", "open", "write", "read", "sync", "syncdir", "rename", "remove"}

// String returns the operation's name.
func (o Op) String() string {
	if int(o) < len(opNames) {
		return opNames[o]
	}
	return fmt.Sprintf("Op(%d)", uint8(o))
}

// Hook decides the fate of one MemFS operation on path. For OpWrite, n is the length of the
// write and the hook returns how many bytes to apply before failing with err (a short write, or
// ENOSPC after a partial write); for other operations n is 0 and only err matters. A nil error
// lets the operation proceed; return n, nil to pass a write through untouched.
type Hook func(op Op, path string, n int) (int, error)

// sectorSize is the unit in which MemFS tracks unsynced data and tears writes on a crash.
const sectorSize = 512

// MemFS is an in-memory FS that models what a machine crash keeps: each file has the data
// written to it and the data made durable by Sync; the directory has its entries and the entries
// made durable by SyncDir. Crash returns the state a crash would leave. A failed Sync behaves as
// Linux does after an fdatasync error: the dirty data is marked clean without reaching the
// disk, so a later Sync reports success and still loses it (fsyncgate).
//
// MemFS is safe for concurrent use. Directories are flat: SyncDir(dir) commits the entries of
// the files directly inside dir.
type MemFS struct {
	mu      sync.Mutex
	entries map[string]*memInode // path -> file, as seen now
	durable map[string]*memInode // path -> file, as of the last SyncDir of its directory
	dirs    map[string]bool
	hook    Hook
}

var _ FS = (*MemFS)(nil)

// memInode is one file's contents. Guarded by MemFS.mu.
type memInode struct {
	data   []byte   // contents as written
	synced []byte   // contents a crash keeps
	dirty  []uint64 // bitset of sectors of data that differ from synced and are not yet synced
	lo, hi int      // dirty sectors lie in [lo, hi)
}

// NewMemFS returns an empty MemFS.
func NewMemFS() *MemFS {
	return &MemFS{entries: map[string]*memInode{}, durable: map[string]*memInode{}, dirs: map[string]bool{}}
}

// SetHook installs h (nil removes it). The hook runs with the MemFS locked: it must not call
// the MemFS.
func (m *MemFS) SetHook(h Hook) {
	m.mu.Lock()
	m.hook = h
	m.mu.Unlock()
}

func (m *MemFS) check(op Op, path string, n int) (int, error) {
	if m.hook == nil {
		return n, nil
	}
	return m.hook(op, path, n)
}

// Crash returns a new MemFS holding what a crash at this instant would leave: the durable
// directory entries, each file's synced data, and - when rng is not nil - for each unsynced
// sector either its old data, its new data, or a torn mix (a prefix of the new over the old),
// chosen by rng. With a nil rng every unsynced write is dropped. m itself is unchanged and may
// go on being used (its open files keep working), so a test can close the log that ran on it.
func (m *MemFS) Crash(rng *rand.Rand) *MemFS {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := NewMemFS()
	copies := map[*memInode]*memInode{}
	for path, ino := range m.durable {
		c, ok := copies[ino]
		if !ok {
			c = ino.crashCopy(rng)
			copies[ino] = c
		}
		out.entries[path] = c
		out.durable[path] = c
	}
	for d := range m.dirs {
		out.dirs[d] = true
	}
	return out
}

// crashCopy returns the contents a crash leaves of ino.
func (ino *memInode) crashCopy(rng *rand.Rand) *memInode {
	b := append([]byte(nil), ino.synced...)
	if rng != nil {
		for s := ino.lo; s < ino.hi && s*sectorSize < len(ino.data); s++ {
			if !ino.isDirty(s) {
				continue
			}
			lo, hi := s*sectorSize, min((s+1)*sectorSize, len(ino.data))
			keep := hi - lo
			switch rng.IntN(3) {
			case 0: // the old contents
				continue
			case 1: // torn inside the sector
				keep = rng.IntN(hi - lo)
			}
			if len(b) < lo+keep {
				b = append(b, make([]byte, lo+keep-len(b))...)
			}
			copy(b[lo:lo+keep], ino.data[lo:lo+keep])
		}
	}
	return &memInode{data: b, synced: append([]byte(nil), b...)}
}

func (ino *memInode) isDirty(s int) bool {
	return s/64 < len(ino.dirty) && ino.dirty[s/64]&(1<<(s%64)) != 0
}

func (ino *memInode) markDirty(lo, hi int) {
	if lo >= hi {
		return
	}
	if ino.lo == ino.hi {
		ino.lo, ino.hi = lo/sectorSize, lo/sectorSize
	}
	ino.lo = min(ino.lo, lo/sectorSize)
	ino.hi = max(ino.hi, (hi+sectorSize-1)/sectorSize)
	for s := lo / sectorSize; s*sectorSize < hi; s++ {
		for s/64 >= len(ino.dirty) {
			ino.dirty = append(ino.dirty, 0)
		}
		ino.dirty[s/64] |= 1 << (s % 64)
	}
}

// sync copies the dirty sectors to synced; with lose set it only marks them clean.
func (ino *memInode) sync(lose bool) {
	if !lose {
		if len(ino.synced) < len(ino.data) {
			ino.synced = append(ino.synced, make([]byte, len(ino.data)-len(ino.synced))...)
		}
		ino.synced = ino.synced[:len(ino.data)]
		for s := ino.lo; s < ino.hi && s*sectorSize < len(ino.data); s++ {
			if ino.isDirty(s) {
				lo, hi := s*sectorSize, min((s+1)*sectorSize, len(ino.data))
				copy(ino.synced[lo:hi], ino.data[lo:hi])
			}
		}
	}
	clear(ino.dirty)
	ino.lo, ino.hi = 0, 0
}

func notExist(op, path string) error {
	return &fs.PathError{Op: op, Path: path, Err: fs.ErrNotExist}
}

// Create implements FS.
func (m *MemFS) Create(name string) (File, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, err := m.check(OpCreate, name, 0); err != nil {
		return nil, &fs.PathError{Op: "create", Path: name, Err: err}
	}
	if !m.dirs[filepath.Dir(name)] {
		return nil, notExist("create", name)
	}
	if old := m.entries[name]; old != nil {
		old.data = old.data[:0]
		old.sync(true)
		return &memFile{fs: m, ino: old, name: name}, nil
	}
	ino := &memInode{}
	m.entries[name] = ino
	return &memFile{fs: m, ino: ino, name: name}, nil
}

// Open implements FS.
func (m *MemFS) Open(name string) (File, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, err := m.check(OpOpen, name, 0); err != nil {
		return nil, &fs.PathError{Op: "open", Path: name, Err: err}
	}
	ino := m.entries[name]
	if ino == nil {
		return nil, notExist("open", name)
	}
	return &memFile{fs: m, ino: ino, name: name}, nil
}

// Remove implements FS.
func (m *MemFS) Remove(name string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, err := m.check(OpRemove, name, 0); err != nil {
		return &fs.PathError{Op: "remove", Path: name, Err: err}
	}
	if m.entries[name] == nil {
		return notExist("remove", name)
	}
	delete(m.entries, name)
	return nil
}

// Rename implements FS.
func (m *MemFS) Rename(oldname, newname string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, err := m.check(OpRename, oldname, 0); err != nil {
		return &os.LinkError{Op: "rename", Old: oldname, New: newname, Err: err}
	}
	ino := m.entries[oldname]
	if ino == nil {
		return notExist("rename", oldname)
	}
	delete(m.entries, oldname)
	m.entries[newname] = ino
	return nil
}

// List implements FS.
func (m *MemFS) List(dir string) ([]string, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if !m.dirs[filepath.Clean(dir)] {
		return nil, notExist("open", dir)
	}
	var names []string
	for p := range m.entries {
		if filepath.Dir(p) == filepath.Clean(dir) {
			names = append(names, filepath.Base(p))
		}
	}
	sort.Strings(names)
	return names, nil
}

// MkdirAll implements FS. Directories themselves are durable at once.
func (m *MemFS) MkdirAll(dir string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	for d := filepath.Clean(dir); ; d = filepath.Dir(d) {
		m.dirs[d] = true
		if d == filepath.Dir(d) {
			return nil
		}
	}
}

// SyncDir implements FS.
func (m *MemFS) SyncDir(dir string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	dir = filepath.Clean(dir)
	if _, err := m.check(OpSyncDir, dir, 0); err != nil {
		return &fs.PathError{Op: "fsync", Path: dir, Err: err}
	}
	for p := range m.durable {
		if filepath.Dir(p) == dir {
			delete(m.durable, p)
		}
	}
	for p, ino := range m.entries {
		if filepath.Dir(p) == dir {
			m.durable[p] = ino
		}
	}
	return nil
}

// ReadFile returns a copy of the named file's current contents (for tests).
func (m *MemFS) ReadFile(name string) ([]byte, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	ino := m.entries[name]
	if ino == nil {
		return nil, notExist("open", name)
	}
	return append([]byte(nil), ino.data...), nil
}

// WriteFile replaces the named file's contents, durably, directory entry included (for tests
// that plant damaged files).
func (m *MemFS) WriteFile(name string, data []byte) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if !m.dirs[filepath.Dir(name)] {
		return notExist("create", name)
	}
	ino := m.entries[name]
	if ino == nil {
		ino = &memInode{}
		m.entries[name] = ino
	}
	ino.data = append(ino.data[:0], data...)
	ino.synced = append(ino.synced[:0], data...)
	ino.sync(true)
	m.durable[name] = ino
	return nil
}

// memFile is an open MemFS file. Like a POSIX descriptor it keeps working after its name is
// removed or replaced.
type memFile struct {
	fs     *MemFS
	ino    *memInode
	name   string
	closed bool
}

func (f *memFile) ReadAt(p []byte, off int64) (int, error) {
	f.fs.mu.Lock()
	defer f.fs.mu.Unlock()
	if f.closed {
		return 0, fs.ErrClosed
	}
	if _, err := f.fs.check(OpRead, f.name, 0); err != nil {
		return 0, &fs.PathError{Op: "read", Path: f.name, Err: err}
	}
	if off < 0 {
		return 0, &fs.PathError{Op: "read", Path: f.name, Err: fs.ErrInvalid}
	}
	if off >= int64(len(f.ino.data)) {
		return 0, io.EOF
	}
	n := copy(p, f.ino.data[off:])
	if n < len(p) {
		return n, io.EOF
	}
	return n, nil
}

func (f *memFile) WriteAt(p []byte, off int64) (int, error) {
	f.fs.mu.Lock()
	defer f.fs.mu.Unlock()
	if f.closed {
		return 0, fs.ErrClosed
	}
	if off < 0 {
		return 0, &fs.PathError{Op: "write", Path: f.name, Err: fs.ErrInvalid}
	}
	n, err := f.fs.check(OpWrite, f.name, len(p))
	n = max(0, min(n, len(p)))
	if end := int(off) + n; end > len(f.ino.data) {
		f.ino.data = append(f.ino.data, make([]byte, end-len(f.ino.data))...)
	}
	copy(f.ino.data[off:], p[:n])
	f.ino.markDirty(int(off), int(off)+n)
	if err != nil {
		return n, &fs.PathError{Op: "write", Path: f.name, Err: err}
	}
	if n < len(p) {
		return n, &fs.PathError{Op: "write", Path: f.name, Err: io.ErrShortWrite}
	}
	return n, nil
}

func (f *memFile) Sync() error {
	f.fs.mu.Lock()
	defer f.fs.mu.Unlock()
	if f.closed {
		return fs.ErrClosed
	}
	if _, err := f.fs.check(OpSync, f.name, 0); err != nil {
		f.ino.sync(true)
		return &fs.PathError{Op: "fdatasync", Path: f.name, Err: err}
	}
	f.ino.sync(false)
	return nil
}

func (f *memFile) Size() (int64, error) {
	f.fs.mu.Lock()
	defer f.fs.mu.Unlock()
	return int64(len(f.ino.data)), nil
}

func (f *memFile) Close() error {
	f.fs.mu.Lock()
	defer f.fs.mu.Unlock()
	if f.closed {
		return fs.ErrClosed
	}
	f.closed = true
	return nil
}
