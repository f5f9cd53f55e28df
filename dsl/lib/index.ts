// The component library.

export { argmaxTree, indexWidth } from './argmax.ts';
export { comparator } from './comparator.ts';
export { macAccumulatorWidth, macArray, sumTree, type MacArrayParams } from './mac-array.ts';
export { streamIn, streamOut, type StreamSink, type StreamSource } from './stream.ts';
export { runningBest, type RunningBest, type RunningBestInputs } from './running-best.ts';
