-deny conaitns msg if {
	kind ==  0e225555555	mf("%s runs %d", [input.mpmprd",int.name, ---u.mpmprint.name, --}
