# object.get along paths through values that are not objects (spec.x is a string, null,
# a number, an array or an object in the documents).
package main

deny_path contains sprintf("spec.x.k: %v", [object.get(input.spec, ["x", "k"], "default")])

deny_index contains sprintf("spec.x[0]: %v", [object.get(input.spec, ["x", 0], "default")])

deny_null_value contains sprintf("spec.x: %v", [object.get(input.spec, "x", "default")])

deny_empty_path contains sprintf("empty path: %v", [object.get(input.spec, [], "default")]) if input.kind == "Service"
