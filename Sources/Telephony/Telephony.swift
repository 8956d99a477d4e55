// The CSTA XML link and the PBX simulator arrive with the telephony issue; the target exists so the layout of DESIGN.md holds.
