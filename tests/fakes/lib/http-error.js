'use strict';
// An error that carries a ready HTTP answer, so handlers can bail out from any
// depth (body too large, bad JSON, auth failure) and the dispatcher still answers
// with the right status instead of a generic 500.

class HttpError extends Error {
  constructor(status, body, headers = {}) {
    super(typeof body === 'string' ? body : `HTTP ${status}`);
    this.status = status;
    this.body = body;
    this.headers = headers;
  }
}

module.exports = { HttpError };
