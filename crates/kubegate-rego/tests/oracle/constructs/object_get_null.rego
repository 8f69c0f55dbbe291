# object.get on null (metadata.labels is null in one document).
package main

deny contains sprintf("labels.app: %v", [object.get(input.metadata.labels, "app", "none")]) if input.kind == "Pod"
