// Package request is badiamap's request grammar: every parameter a client
// may give, read in one place into a typed query before any work starts.
// The HTTP server and the command line use the same parsers, so a map view,
// its download, its tiles and an export agree on what a filter means.
//
// It knows nothing of HTTP servers: parsers take url.Values (or a path
// segment) and return a geo value or an *Error naming the parameter at
// fault. Each Param carries what the API description says of it and a value
// it accepts, so the description is produced from the grammar and checked
// against it.
package request
