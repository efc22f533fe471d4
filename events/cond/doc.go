// Package cond compiles routing conditions, such as the plan's "strength > 0.7", into
// functions of an event that load fields at fixed offsets and compare them with constants.
//
// # Language
//
//	condition  = or .
//	or         = and { ( "||" | "or" ) and } .
//	and        = comparison { ( "&&" | "and" ) comparison } .
//	comparison = unary [ ( "==" | "!=" | "<" | "<=" | ">" | ">=" ) unary
//	                   | [ "not" ] "in" list ] .
//	unary      = ( "!" | "not" ) unary | primary .
//	primary    = name | number | string | "true" | "false" | "(" or ")" .
//	list       = "[" [ literal { "," literal } [ "," ] ] "]" .
//	literal    = name | number | string | "true" | "false" .
//
// Precedence, from tightest: ! (not), comparisons, && (and), || (or). A comparison has a field
// on one side and a literal on the other, in either order (0.7 < strength). A bool field alone
// is a condition (maker, !maker); true and false are conditions. Names are the fields of the
// kind (snake_case of the Go names, as the events registry lists them) and, next to an enum
// field, the enum's value names. and, or, not, in, true and false are reserved words.
//
// Literals by field type:
//
//   - int, uint: decimal integers (-5, 42), within the field's width;
//   - float: decimal numbers with an optional exponent (0.7, -1e-3), compared exactly with the
//     field's value (a float32 field is widened to float64, not the literal narrowed); NaN is
//     in no range, so every comparison with a NaN field is false except !=;
//   - price: decimal numbers with at most 8 decimals (100.25), parsed exactly with
//     events.ParsePrice and compared as fixed-point integers;
//   - symbol: quoted strings of at most 8 bytes ("AAPL" or 'AAPL'), with == != and in only;
//   - enum: one of the enum's names (BUY), optionally quoted ("BUY"), with == != and in only;
//     numbers are refused, because the names are the contract and numbers are not;
//   - bool: true and false, with == != and in only.
//
// # Errors
//
// [Compile] returns an [*Error] for any mistake: it names the column (and byte offset) in the
// condition, the offending text, what was expected, and wraps a sentinel error. Compile never
// panics, whatever its input; nesting is limited to 100 levels.
//
// # Evaluation
//
// Compile does all the work once. A condition that is a single comparison becomes a closure
// specialised for the field's Go type and the operator: one typed load at a fixed offset and one
// comparison with a captured constant, the code of a hand-written closure. Any other condition
// becomes a branching program: every comparison is lowered to an unsigned range test on the
// field's bits, && || and ! become jumps between tests, so evaluation is one loop
// with short-circuits and no call per comparison. Constants fold (ref >= 0 is true for an
// unsigned field; false && x is false) and comparisons of one field under && merge into one
// range (price >= 100 && price < 200).
//
// A [Cond] allocates nothing, reads only the event it is given, and is safe for concurrent use.
// It does not check the event's kind: the caller (the engine's routing table) calls it only on
// events of the kind it was compiled for.
package cond
