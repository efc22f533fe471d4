package affinity

import (
	"encoding/json"
	"fmt"
	"math/bits"
	"strconv"
	"strings"
)

// MaxCPU bounds the CPU numbers a CPUSet accepts (exclusive). It matches the
// kernel's default CONFIG_NR_CPUS ceiling and keeps a hostile list such as
// "0-4000000000" from allocating gigabytes.
const MaxCPU = 8192

// CPUSet is an immutable set of logical CPU numbers, as the kernel numbers
// them (the numbers in /sys/devices/system/cpu/cpuN and in taskset lists).
//
// The zero value is the empty set. Methods never modify the receiver; the
// ones that combine sets return a new one. A CPUSet is safe for concurrent
// use by readers. It marshals to JSON as an ascending array of numbers.
type CPUSet struct {
	words []uint64 // bit i of words[i/64] is CPU i; no trailing zero words
}

// NewCPUSet returns the set of the given CPUs. It panics on a CPU outside
// [0, MaxCPU): callers pass numbers they already hold, so a bad one is a
// programming error (ParseCPUList is the way in for untrusted text).
func NewCPUSet(cpus ...int) CPUSet {
	var s CPUSet
	for _, c := range cpus {
		if c < 0 || c >= MaxCPU {
			panic(fmt.Sprintf("affinity: cpu %d out of range [0,%d)", c, MaxCPU))
		}
		s.words = setBit(s.words, c)
	}
	return s
}

// CPURange returns the set {lo, ..., hi}; it is empty when hi < lo.
func CPURange(lo, hi int) CPUSet {
	var s CPUSet
	for c := lo; c <= hi; c++ {
		s.words = setBit(s.words, c)
	}
	return s
}

func setBit(w []uint64, c int) []uint64 {
	for len(w) <= c/64 {
		w = append(w, 0)
	}
	w[c/64] |= 1 << (uint(c) % 64)
	return w
}

func trim(w []uint64) []uint64 {
	for len(w) > 0 && w[len(w)-1] == 0 {
		w = w[:len(w)-1]
	}
	if len(w) == 0 {
		return nil
	}
	return w
}

// ParseCPUList parses the kernel's list format ("0-3,8,10-11", as in
// shared_cpu_list, isolated or Cpus_allowed_list). Surrounding white space
// and an empty list are accepted. The kernel's grouped form
// ("0-15:2/4") is not: sysfs never prints it.
func ParseCPUList(text string) (CPUSet, error) {
	text = strings.TrimSpace(text)
	var s CPUSet
	if text == "" {
		return s, nil
	}
	for _, part := range strings.Split(text, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			return CPUSet{}, fmt.Errorf("affinity: cpu list %q: empty element", text)
		}
		lo, hi := part, part
		if i := strings.IndexByte(part, '-'); i >= 0 {
			lo, hi = part[:i], part[i+1:]
		}
		a, err := parseCPUNumber(lo)
		if err != nil {
			return CPUSet{}, fmt.Errorf("affinity: cpu list %q: %w", text, err)
		}
		b, err := parseCPUNumber(hi)
		if err != nil {
			return CPUSet{}, fmt.Errorf("affinity: cpu list %q: %w", text, err)
		}
		if b < a {
			return CPUSet{}, fmt.Errorf("affinity: cpu list %q: range %q runs backwards", text, part)
		}
		for c := a; c <= b; c++ {
			s.words = setBit(s.words, c)
		}
	}
	return s, nil
}

func parseCPUNumber(t string) (int, error) {
	n, err := strconv.Atoi(strings.TrimSpace(t))
	if err != nil || n < 0 {
		return 0, fmt.Errorf("bad cpu number %q", t)
	}
	if n >= MaxCPU {
		return 0, fmt.Errorf("cpu number %d not below %d", n, MaxCPU)
	}
	return n, nil
}

// MustParseCPUList is ParseCPUList for constants in tests and examples; it
// panics on a malformed list.
func MustParseCPUList(text string) CPUSet {
	s, err := ParseCPUList(text)
	if err != nil {
		panic(err)
	}
	return s
}

// Contains reports whether cpu is in the set.
func (s CPUSet) Contains(cpu int) bool {
	if cpu < 0 || cpu/64 >= len(s.words) {
		return false
	}
	return s.words[cpu/64]&(1<<(uint(cpu)%64)) != 0
}

// Len returns the number of CPUs in the set.
func (s CPUSet) Len() int {
	n := 0
	for _, w := range s.words {
		n += bits.OnesCount64(w)
	}
	return n
}

// IsEmpty reports whether the set has no CPU.
func (s CPUSet) IsEmpty() bool { return len(s.words) == 0 }

// CPUs returns the members in ascending order, in a new slice.
func (s CPUSet) CPUs() []int {
	out := make([]int, 0, s.Len())
	for i, w := range s.words {
		for w != 0 {
			b := bits.TrailingZeros64(w)
			out = append(out, i*64+b)
			w &^= 1 << uint(b)
		}
	}
	return out
}

// First returns the lowest CPU in the set, or -1 when it is empty.
func (s CPUSet) First() int {
	for i, w := range s.words {
		if w != 0 {
			return i*64 + bits.TrailingZeros64(w)
		}
	}
	return -1
}

// Add returns the set with cpus added.
func (s CPUSet) Add(cpus ...int) CPUSet { return s.Union(NewCPUSet(cpus...)) }

// Remove returns the set without cpus.
func (s CPUSet) Remove(cpus ...int) CPUSet { return s.Minus(NewCPUSet(cpus...)) }

// Union returns the CPUs in s or in o.
func (s CPUSet) Union(o CPUSet) CPUSet {
	n := max(len(s.words), len(o.words))
	w := make([]uint64, n)
	copy(w, s.words)
	for i, x := range o.words {
		w[i] |= x
	}
	return CPUSet{words: trim(w)}
}

// Intersect returns the CPUs in both s and o.
func (s CPUSet) Intersect(o CPUSet) CPUSet {
	n := min(len(s.words), len(o.words))
	w := make([]uint64, n)
	for i := range w {
		w[i] = s.words[i] & o.words[i]
	}
	return CPUSet{words: trim(w)}
}

// Minus returns the CPUs in s that are not in o.
func (s CPUSet) Minus(o CPUSet) CPUSet {
	w := make([]uint64, len(s.words))
	copy(w, s.words)
	for i := 0; i < len(w) && i < len(o.words); i++ {
		w[i] &^= o.words[i]
	}
	return CPUSet{words: trim(w)}
}

// Equal reports whether s and o hold the same CPUs.
func (s CPUSet) Equal(o CPUSet) bool {
	if len(s.words) != len(o.words) {
		return false
	}
	for i := range s.words {
		if s.words[i] != o.words[i] {
			return false
		}
	}
	return true
}

// SubsetOf reports whether every CPU of s is in o.
func (s CPUSet) SubsetOf(o CPUSet) bool { return s.Minus(o).IsEmpty() }

// String formats the set in the kernel's list format ("0-3,8"); the empty
// set formats as "".
func (s CPUSet) String() string {
	var b strings.Builder
	cpus := s.CPUs()
	for i := 0; i < len(cpus); {
		j := i
		for j+1 < len(cpus) && cpus[j+1] == cpus[j]+1 {
			j++
		}
		if b.Len() > 0 {
			b.WriteByte(',')
		}
		b.WriteString(strconv.Itoa(cpus[i]))
		if j > i {
			b.WriteByte('-')
			b.WriteString(strconv.Itoa(cpus[j]))
		}
		i = j + 1
	}
	return b.String()
}

// MarshalJSON encodes the set as an ascending array of CPU numbers.
func (s CPUSet) MarshalJSON() ([]byte, error) { return json.Marshal(s.CPUs()) }

// UnmarshalJSON accepts an array of CPU numbers or a list string.
func (s *CPUSet) UnmarshalJSON(data []byte) error {
	var list string
	if err := json.Unmarshal(data, &list); err == nil {
		v, err := ParseCPUList(list)
		if err != nil {
			return err
		}
		*s = v
		return nil
	}
	var cpus []int
	if err := json.Unmarshal(data, &cpus); err != nil {
		return fmt.Errorf("affinity: cpu set: %w", err)
	}
	var v CPUSet
	for _, c := range cpus {
		if c < 0 || c >= MaxCPU {
			return fmt.Errorf("affinity: cpu set: cpu %d out of range", c)
		}
		v.words = setBit(v.words, c)
	}
	*s = v
	return nil
}
