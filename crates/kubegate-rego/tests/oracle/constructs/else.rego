# `else` on complete rules and functions, used by set rules; incremental set and object
# rules (several definitions).
package main

level := "high" if {
	input.spec.replicas > 2
} else := "medium" if {
	input.spec.replicas > 0
} else := "low"

label(v) := "string" if is_string(v) else := "number" if is_number(v) else := "other"

deny_level contains sprintf("%v level %s", [input.metadata.name, level])

deny_label contains sprintf("name is a %s", [label(input.metadata.name)])

deny_incremental contains "is a pod" if input.kind == "Pod"

deny_incremental contains "has a spec" if input.spec

deny_incremental contains "is a pod" if input.metadata.name == "full"

labels[k] := v if {
	is_object(input.metadata.labels)
	some k, v in input.metadata.labels
}

labels["kind"] := lower(input.kind)

deny_partial_object contains sprintf("label %s=%v", [k, v]) if some k, v in labels
