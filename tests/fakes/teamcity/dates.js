'use strict';
// TeamCity's date format: yyyyMMdd'T'HHmmssZ, e.g. 20240131T101500+0000, in the
// server's time zone (configurable per fake server to exercise offset parsing).

const pad = (n, w = 2) => String(n).padStart(w, '0');

function formatTcDate(ms, offsetMinutes = 0) {
  if (ms === null || ms === undefined) return null;
  const d = new Date(ms + offsetMinutes * 60000);
  const sign = offsetMinutes < 0 ? '-' : '+';
  const abs = Math.abs(offsetMinutes);
  return `${d.getUTCFullYear()}${pad(d.getUTCMonth() + 1)}${pad(d.getUTCDate())}T${pad(d.getUTCHours())}${pad(d.getUTCMinutes())}${pad(d.getUTCSeconds())}${sign}${pad(Math.floor(abs / 60))}${pad(abs % 60)}`;
}

const TC_DATE = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})(?:([+-])(\d{2})(\d{2})|Z)?$/;

// Returns epoch ms, or null when the text is not a TeamCity date. A missing
// offset means UTC. A space instead of "+" (an unencoded plus) is accepted the
// way TeamCity does not: it is rejected, so clients learn to encode "+".
function parseTcDate(text) {
  const m = TC_DATE.exec(String(text).trim() === text ? text : '');
  if (!m) return null;
  const [, y, mo, d, h, mi, s, sign, oh, om] = m;
  const utc = Date.UTC(+y, +mo - 1, +d, +h, +mi, +s);
  if (Number.isNaN(utc)) return null;
  const off = sign ? (sign === '-' ? -1 : 1) * (+oh * 60 + +om) : 0;
  return utc - off * 60000;
}

module.exports = { formatTcDate, parseTcDate };
