/**
 * The test kit that plays the web server: builds the records it writes, reads back what the
 * application answers, and parses the CGI response with the client's own parser — in memory
 * against one engine connection, or over a real socket.
 */
export { abortRecord, beginRecords, cgiParams, getValuesRecord, requestRecords, stdinRecords } from './fastcgi-peer/requests.js';
export {
  AnswerReader,
  decodeOutput,
  parseCgiResponse,
} from './fastcgi-peer/responses.js';
export { MemoryTransport } from './fastcgi-peer/memory-transport.js';
export { collectRequests, createWire, type WireOptions } from './fastcgi-peer/memory-wire.js';
export { Peer, floodableConnections, silentFlood } from './fastcgi-peer/socket-peer.js';
