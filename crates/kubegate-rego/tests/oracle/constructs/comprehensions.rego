# Comprehensions: array, set and object, nested, over missing input, with undefined parts.
package main

containers := input.spec.containers if is_array(input.spec.containers)

images := [c.image | some c in containers; is_object(c)]

deny_array contains sprintf("images %v", [images]) if count(images) > 0

deny_set contains sprintf("%d distinct names", [count({c.name | some c in input.spec.containers})]) if is_array(input.spec.containers)

deny_object contains sprintf("ports %v", [{c.name: [p.containerPort | some p in c.ports] | some c in input.spec.containers; c.ports}]) if is_array(input.spec.containers)

deny_missing contains sprintf("missing %v", [[x | some x in object.get(input.spec, "nothing", [])]]) if input.kind == "Service"

deny_undefined_part contains sprintf("undefined part %v", [[c.tag | some c in containers]]) if is_array(input.spec.containers)

deny_count_filter contains sprintf("%d small", [count([n | some n in [1, 5, 10]; n < 6])])
