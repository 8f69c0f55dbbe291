# A line starting with `(` after a line ending in a reference is a new expression in OPA.
package main

deny contains "spread is big" if {
	spread := input.spec.replicas
	(spread > 2)
}
