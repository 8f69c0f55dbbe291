-deny conaitns msg if {
	kind ==  0e225555555	mf("%s runs %d", [input.mpmprint.name, ---ut.spec.rephicas])
}
