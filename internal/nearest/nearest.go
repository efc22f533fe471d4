// Package nearest finds the name a user probably meant ("did you mean ...?") for hotpath's error
// messages: configuration keys, component names, condition fields and enum values.
package nearest

import "strings"

// Name returns the name in names closest to word, or "": a name equal but for case wins,
// then the nearest by edit distance (insertions, deletions, substitutions and swaps of two
// neighbours each cost 1), if it is within a third of the word's length (at least 1, at most 3),
// then the one name the word begins (at least 3 characters).
func Name(word string, names []string) string {
	for _, n := range names {
		if strings.EqualFold(n, word) {
			return n
		}
	}
	best, bestD := "", min(3, max(1, len(word)/3))+1
	lw := strings.ToLower(word)
	for _, n := range names {
		if d := Distance(lw, strings.ToLower(n)); d < bestD {
			best, bestD = n, d
		}
	}
	if best != "" || len(word) < 3 {
		return best
	}
	// A word that begins one name only (open for open_duration).
	for _, n := range names {
		if strings.HasPrefix(strings.ToLower(n), lw) {
			if best != "" {
				return ""
			}
			best = n
		}
	}
	return best
}

// Distance is the optimal string alignment distance between a and b, in bytes; words
// longer than 64 bytes are never close.
func Distance(a, b string) int {
	if len(a) > 64 || len(b) > 64 {
		return 1 << 20
	}
	var rows [3][65]int
	prev2, prev, cur := &rows[0], &rows[1], &rows[2]
	for j := 0; j <= len(b); j++ {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				cur[j] = min(cur[j], prev2[j-2]+1)
			}
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[len(b)]
}
