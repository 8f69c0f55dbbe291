# Rego v1 written with `import rego.v1`, which OPA 1.x accepts as well.
package main

import rego.v1

deny contains msg if {
	is_array(input.spec.containers)
	some c in input.spec.containers
	not contains(c.image, ":")
	msg := sprintf("container %s has no tag", [c.name])
}
