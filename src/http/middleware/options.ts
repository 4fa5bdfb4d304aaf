/**
 * Answers OPTIONS for every path from the same route table as the 405's `Allow`
 * (allowed-methods.ts). Express would answer it by itself, but from every route its routers
 * match, the authorize router's scope tags included: `GET /v1/approvals{/*rest}` made OPTIONS on
 * `/v1/approvals/:id/approve` advertise GET. OPTIONS carries no data and reveals no more than
 * the public API description, so it is answered before authentication.
 */
import type { RequestHandler } from 'express';
import { NotFoundError } from '../../errors/regent-error.ts';
import { allowedMethods } from './allowed-methods.ts';

/** 204 with `Allow` for a path some route answers; 404 for one none does. */
export const answerOptions: RequestHandler = (req, res, next) => {
  if (req.method !== 'OPTIONS') {
    next();
    return;
  }
  const allowed = allowedMethods(req.app, req.path);
  if (allowed.length === 0) {
    const path = req.path.length > 200 ? req.path.slice(0, 200) + '…' : req.path;
    next(new NotFoundError(`no route for OPTIONS ${path}`));
    return;
  }
  res.setHeader('allow', [...allowed, 'OPTIONS'].join(', '));
  res.status(204).end();
};
