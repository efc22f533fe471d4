package config

import "unicode/utf8"

// locate returns the place in the source of character number k (0-based, in runes) of a string
// scalar's value, given where the value's characters start and the scalar's style (0 plain, a
// quote, or '|' / '>' for a block). It follows YAML's rules as far as a condition needs them:
// escapes in double quotes, ” in single quotes, and line folding (a line break and the next
// line's indentation are one space in the value). It is how an error inside a condition points
// at the character in the file. It never fails: past the source's end it returns the last place.
func (d *decoder) locate(start pos, style byte, value string, k int) pos {
	li, ci := start.line-1, start.col-1
	if li < 0 || li >= len(d.lines) {
		return start
	}
	line := []rune(d.lines[li])
	indent := -1 // a block's indentation, from its first non-empty line
	if style == '|' || style == '>' {
		indent = blockIndent(d.lines, li)
		ci = indent
	}
	nextLine := func() bool {
		if li+1 >= len(d.lines) {
			return false
		}
		li++
		line = []rune(d.lines[li])
		if indent >= 0 {
			ci = min(indent, len(line))
			return true
		}
		ci = 0
		for ci < len(line) && (line[ci] == ' ' || line[ci] == '\t') {
			ci++
		}
		return true
	}
	i := 0
	for _, r := range value {
		if i == k {
			break
		}
		i++
		if ci >= len(line) || r == '\n' && indent >= 0 {
			// A line break in the source: a folded space or a kept newline in the value.
			if !nextLine() {
				break
			}
			if r == ' ' || r == '\n' {
				continue
			}
		}
		if ci >= len(line) {
			continue
		}
		switch {
		case style == '"' && line[ci] == '\\':
			ci += escapeLen(line[ci:])
		case style == '\'' && line[ci] == '\'' && ci+1 < len(line) && line[ci+1] == '\'':
			ci += 2
		default:
			ci++
		}
	}
	return pos{li + 1, ci + 1}
}

// escapeLen returns how many source characters the escape at the start of s takes.
func escapeLen(s []rune) int {
	if len(s) < 2 {
		return len(s)
	}
	switch s[1] {
	case 'x':
		return min(4, len(s))
	case 'u':
		return min(6, len(s))
	case 'U':
		return min(10, len(s))
	}
	return 2
}

// blockIndent returns the indentation of the first non-empty line after a block scalar's
// header on line li.
func blockIndent(lines []string, li int) int {
	for j := li; j < len(lines); j++ {
		l := lines[j]
		n := 0
		for n < len(l) && l[n] == ' ' {
			n++
		}
		if n < len(l) && l[n] != '\r' {
			return utf8.RuneCountInString(l[:n])
		}
	}
	return 0
}
