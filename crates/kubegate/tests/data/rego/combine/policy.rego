package main

# With --combine the input is Conftest's: [{"path": file, "contents": document}], one entry
# per document (a file of two documents gives two entries with its path), ordered by path.
deny contains msg if {
	some d in deployments
	not service_named(d.metadata.name)
	msg := sprintf("deployment '%s' has no Service (%d documents)", [d.metadata.name, count(input)])
}

deployments contains f.contents if {
	some f in input
	f.contents.kind == "Deployment"
}

service_named(n) if {
	some f in input
	f.contents.kind == "Service"
	f.contents.metadata.name == n
}

warn contains sprintf("%s holds %d documents", [path, n]) if {
	some path in {f.path | some f in input}
	n := count([f | some f in input; f.path == path])
	n > 1
}
