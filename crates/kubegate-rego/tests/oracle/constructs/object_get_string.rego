# object.get on a string (spec.x is a string in one document).
package main

deny contains sprintf("spec.x.k: %v", [object.get(input.spec.x, "k", "none")]) if input.metadata.name == "full"
