package main

deny contains msg if {imtf("%s runs %d", [input.met[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[adata.naeverme, input if {imtf("%as])
}
