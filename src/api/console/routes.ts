/**
 * The operator console: static ES modules from src/console, served as they are (no build
 * step). The pages hold no secrets; every call they make is to the REST API with the
 * operator's bearer token, so the console can do exactly what curl can, no more.
 */
import path from 'node:path';
import express, { Router } from 'express';
import { projectRoot } from '../../infra/project';

export const CONSOLE_PATH = '/console';

export function consoleRouter(dir = path.join(projectRoot(), 'src', 'console')): Router {
  const router = Router();
  router.use(CONSOLE_PATH, (_req, res, next) => {
    // Only our own scripts and styles; the token in sessionStorage is out of reach of injected markup.
    res.setHeader('Content-Security-Policy', "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'");
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('Referrer-Policy', 'no-referrer');
    next();
  });
  router.use(CONSOLE_PATH, express.static(dir, { index: 'index.html', maxAge: 0, fallthrough: true }));
  return router;
}
