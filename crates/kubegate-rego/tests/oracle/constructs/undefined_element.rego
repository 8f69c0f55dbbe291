# An array literal holding an undefined element: in OPA the whole expression is undefined.
package main

deny contains sprintf("%s has %s", [input.metadata.name, input.spec.missing])

warn contains "after" if true
