package main

# With --combine the input is [{"path": file, "contents": document(s)}].
deny contains msg if {
	some d in deployments
	not service_named(d.metadata.name)
	msg := sprintf("deployment '%s' has no Service (%d files)", [d.metadata.name, count(input)])
}

deployments contains d if {
	some f in input
	some d in docs(f.contents)
	d.kind == "Deployment"
}

docs(c) := c if is_array(c)

docs(c) := [c] if is_object(c)

service_named(n) if {
	some f in input
	some d in docs(f.contents)
	d.kind == "Service"
	d.metadata.name == n
}

warn contains sprintf("%s holds %d documents", [f.path, count(f.contents)]) if {
	some f in input
	is_array(f.contents)
}
