// The iCE40 devices that `hdlc synth` targets, with the resources that
// nextpnr-ice40 places into. The cell counts are the totals that
// nextpnr-ice40 0.4 prints in its utilisation report. The UP5K has 5280
// logic cells, 30 block RAMs, 4 SPRAMs and 8 DSPs. The HX8K has 7680 logic
// cells and 32 block RAMs, with no SPRAM and no DSP. The I/O pin counts are those
// of the packages in the IceStorm chip database (chipdb-5k.txt, sg48: 39;
// chipdb-8k.txt, ct256: 206), because nextpnr counts the pads of the whole
// die. Yosys 0.23 checks none of these, so `hdlc synth` compares the netlist
// with them itself.

export type ResourceName = 'logicCells' | 'blockRams' | 'sprams' | 'dsps' | 'ioPins';

export interface Device {
  readonly name: 'up5k' | 'hx8k';
  readonly nextpnrArgs: readonly string[];
  /** Options to synth_ice40 beyond -top and -json. */
  readonly yosysOptions: readonly string[];
  readonly capacity: Readonly<Record<ResourceName, number>>;
}

export const devices: Record<string, Device> = {
  up5k: {
    name: 'up5k',
    nextpnrArgs: ['--up5k', '--package', 'sg48'],
    yosysOptions: ['-dsp'],
    capacity: { logicCells: 5280, blockRams: 30, sprams: 4, dsps: 8, ioPins: 39 },
  },
  // No -dsp: the HX8K has no DSP, so multipliers stay in logic cells.
  hx8k: {
    name: 'hx8k',
    nextpnrArgs: ['--hx8k', '--package', 'ct256'],
    yosysOptions: [],
    capacity: { logicCells: 7680, blockRams: 32, sprams: 0, dsps: 0, ioPins: 206 },
  },
};

/** Report names of the resources: the words, then the primitive that Yosys and nextpnr count. */
export const resourceLabels: Record<ResourceName, string> = {
  logicCells: 'logic cells (ICESTORM_LC)',
  blockRams: 'block RAMs (SB_RAM40_4K)',
  sprams: 'SPRAMs (SB_SPRAM256KA)',
  dsps: 'DSPs (SB_MAC16)',
  ioPins: 'I/O pins (SB_IO)',
};

/** The resource that a nextpnr cell type places into. */
export const nextpnrCellTypes: Record<string, ResourceName> = {
  ICESTORM_LC: 'logicCells',
  ICESTORM_RAM: 'blockRams',
  ICESTORM_SPRAM: 'sprams',
  ICESTORM_DSP: 'dsps',
  SB_IO: 'ioPins',
};
