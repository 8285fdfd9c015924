/** FastCGI 1.0 wire constants (spec §8). No I/O and no platform imports in this folder. */

export const VERSION = 1;
export const HEADER_LENGTH = 8;
export const MAX_CONTENT_LENGTH = 0xffff;

export const RecordType = {
  BEGIN_REQUEST: 1,
  ABORT_REQUEST: 2,
  END_REQUEST: 3,
  PARAMS: 4,
  STDIN: 5,
  STDOUT: 6,
  STDERR: 7,
  DATA: 8,
  GET_VALUES: 9,
  GET_VALUES_RESULT: 10,
  UNKNOWN_TYPE: 11,
} as const;
export type RecordType = (typeof RecordType)[keyof typeof RecordType];

/** Stream records carry a byte stream ended by an empty record; their split carries no meaning. */
export function isStreamType(type: number): boolean {
  return type === RecordType.PARAMS || type === RecordType.STDIN || type === RecordType.STDOUT || type === RecordType.STDERR || type === RecordType.DATA;
}

export const Role = {
  RESPONDER: 1,
  AUTHORIZER: 2,
  FILTER: 3,
} as const;

export const FLAG_KEEP_CONN = 1;

export const ProtocolStatus = {
  REQUEST_COMPLETE: 0,
  CANT_MPX_CONN: 1,
  OVERLOADED: 2,
  UNKNOWN_ROLE: 3,
} as const;
export type ProtocolStatus = (typeof ProtocolStatus)[keyof typeof ProtocolStatus];

/** GET_VALUES names the spec defines. */
export const MAX_CONNS = 'FCGI_MAX_CONNS';
export const MAX_REQS = 'FCGI_MAX_REQS';
export const MPXS_CONNS = 'FCGI_MPXS_CONNS';
