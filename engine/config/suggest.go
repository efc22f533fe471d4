package config

import (
	"fmt"
	"strings"

	"github.com/hotpath-go/hotpath/internal/nearest"
)

// suggest returns the name in names closest to word, or "" (see nearest.Name).
func suggest(word string, names []string) string { return nearest.Name(word, names) }

// hint returns `; did you mean "x"?` when a name in names is close to word, and the list of
// names otherwise ("; expected one of: a, b, c"), or "" when names is empty.
func hint(word string, names []string) string {
	if s := suggest(word, names); s != "" {
		return fmt.Sprintf("; did you mean %q?", s)
	}
	if len(names) == 0 {
		return ""
	}
	return "; expected one of: " + list(names)
}

// list joins names with ", ", shortening long lists.
func list(names []string) string {
	const most = 24
	if len(names) > most {
		return strings.Join(names[:most], ", ") + fmt.Sprintf(", ... (%d more)", len(names)-most)
	}
	return strings.Join(names, ", ")
}
