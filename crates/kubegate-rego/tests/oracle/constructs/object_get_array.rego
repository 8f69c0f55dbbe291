# object.get on an array (spec.x is an array in one document).
package main

deny contains sprintf("spec.x[1]: %v", [object.get(input.spec.x, 1, "none")]) if input.kind == "Service"
