/**
 * CRC-32 (IEEE 802.3, as zlib computes it) over the bytes of an ASCII string, for the
 * book checksums of Kraken, OKX and Bitfinex. Allocation-free.
 *
 * @module
 */

const TABLE = (() => {
  const table = new Int32Array(256)
  for (let n = 0; n < 256; n++) {
    let c = n
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1
    table[n] = c
  }
  return table
})()

/** Continues a CRC-32 over the ASCII characters of `text` (start with `crc = 0`). Returns the unsigned value. */
export const crc32Update = (crc: number, text: string): number => {
  let c = ~crc
  for (let i = 0; i < text.length; i++) c = TABLE[(c ^ text.charCodeAt(i)) & 0xff]! ^ (c >>> 8)
  return ~c >>> 0
}

/** Unsigned CRC-32 of an ASCII string. */
export const crc32 = (text: string): number => crc32Update(0, text)

/** Signed 32-bit CRC-32 of an ASCII string (OKX, Bitfinex). */
export const crc32Signed = (text: string): number => crc32(text) | 0
