package main

import data.lib.util

g(x) := util.h(x)

deny contains "x" if g(1)
