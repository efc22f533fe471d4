//go:build unix

package affinity

import (
	"bufio"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestLockCPU(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "locks")
	l, err := LockCPU(dir, 3)
	require.NoError(t, err)
	assert.Equal(t, 3, l.CPU())
	assert.Equal(t, filepath.Join(dir, "cpu3.lock"), l.Path())
	data, err := os.ReadFile(l.Path())
	require.NoError(t, err)
	assert.Equal(t, strconv.Itoa(os.Getpid())+"\n", string(data))

	// A second claim, even from this process, is refused.
	_, err = LockCPU(dir, 3)
	require.ErrorIs(t, err, ErrCPUBusy)
	assert.Contains(t, err.Error(), "cpu3.lock")

	held, err := HeldCPUs(dir, MustParseCPUList("2-4"))
	require.NoError(t, err)
	assert.Equal(t, "3", held.String())

	require.NoError(t, l.Unlock())
	assert.Error(t, l.Unlock())
	l2, err := LockCPU(dir, 3)
	require.NoError(t, err, "free again after Unlock")
	require.NoError(t, l2.Unlock())

	_, err = LockCPU(dir, -1)
	assert.Error(t, err)
	_, err = LockCPU("/proc/no/such/dir", 1)
	assert.Error(t, err)
}

// TestHelperHoldLock is not a test: TestLockCPUFreedWhenOwnerDies runs the
// test binary again with it to get a second process holding a lock.
func TestHelperHoldLock(t *testing.T) {
	dir := os.Getenv("AFFINITY_LOCK_HELPER_DIR")
	if dir == "" {
		t.Skip("helper process only")
	}
	l, err := LockCPU(dir, 1)
	if err != nil {
		os.Stdout.WriteString("error " + err.Error() + "\n")
		os.Exit(1)
	}
	os.Stdout.WriteString("held\n")
	_, _ = os.Stdin.Read(make([]byte, 1)) // hold until killed
	_ = l.Unlock()
	os.Exit(0)
}

func TestLockCPUFreedWhenOwnerDies(t *testing.T) {
	dir := t.TempDir()
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperHoldLock$")
	cmd.Env = append(os.Environ(), "AFFINITY_LOCK_HELPER_DIR="+dir)
	stdin, err := cmd.StdinPipe()
	require.NoError(t, err)
	out, err := cmd.StdoutPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	line, err := bufio.NewReader(out).ReadString('\n')
	require.NoError(t, err)
	require.Equal(t, "held\n", line)

	_, err = LockCPU(dir, 1)
	require.ErrorIs(t, err, ErrCPUBusy, "held by the other process")

	require.NoError(t, cmd.Process.Kill())
	_ = cmd.Wait()
	_ = stdin.Close()

	l, err := LockCPU(dir, 1)
	require.NoError(t, err, "the kernel released the dead owner's lock")
	require.NoError(t, l.Unlock())
}
