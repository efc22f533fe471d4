package metrics

import "errors"

// ErrConfig is returned (wrapped, with the field at fault) by the Validate
// methods and the constructors when a configuration value is out of range.
var ErrConfig = errors.New("metrics: invalid configuration")

// ErrDuplicateRoute is returned by Registry.AddRoute when a route of that name
// is already registered.
var ErrDuplicateRoute = errors.New("metrics: duplicate route")

// ErrRouteName is returned by Registry.AddRoute for an empty route name.
var ErrRouteName = errors.New("metrics: empty route name")
