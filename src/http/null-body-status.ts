/** A status whose response has no body (Fetch's "null body status": 101, 103, 204, 205, 304). */
export function isNullBodyStatus(status: number): boolean {
  return status === 204 || status === 304 || status === 205 || status === 101 || status === 103;
}
