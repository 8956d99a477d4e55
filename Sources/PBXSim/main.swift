// `pbx-sim`: the PBX simulator as a standalone program. main only parses the command line and runs it.
await PBXSimCommand.parseAndRun()
