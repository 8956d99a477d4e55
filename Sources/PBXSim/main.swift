// `pbx-sim`: the PBX simulator as a standalone program (filled in by the simulator work of issue 3).
print("pbx-sim: not built yet")
