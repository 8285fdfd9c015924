/** The FastCGI 1.0 codec: bytes in, records out, records in, bytes out. No I/O. */
export * from './bytes.js';
export * from './constants.js';
export * from './protocol-error.js';
export * from './encode-pairs.js';
export * from './pair-decoder.js';
export * from './param-list.js';
export * from './reader.js';
export * from './records.js';
