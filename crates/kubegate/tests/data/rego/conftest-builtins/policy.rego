package main

# A combine policy as written for Conftest: the Service must select the Deployment's pods.
violation contains msg if {
	some d in input
	d.contents.kind == "Deployment"
	some s in input
	s.contents.kind == "Service"
	d.contents.spec.selector.matchLabels.app != s.contents.spec.selector.app
	msg := sprintf("service %s selects %s, deployment %s runs %s", [s.contents.metadata.name, s.contents.spec.selector.app, d.contents.metadata.name, d.contents.spec.selector.matchLabels.app])
}
