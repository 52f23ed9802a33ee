import type { Plugin } from 'graphql-yoga';
import { badRequest } from '../errors.js';

// What an HTML form or a plain fetch can send cross-site without a CORS preflight.
const SIMPLE_MEDIA_TYPES = new Set(['application/x-www-form-urlencoded', 'multipart/form-data', 'text/plain']);
/** Either header proves the request was not sent by a page on another site (browsers would preflight it). */
export const PREFLIGHT_HEADERS = ['x-graphql-yoga-csrf', 'apollo-require-preflight'];

/**
 * Refuses what a browser would send cross-site without asking first: a GET, or a POST with a form
 * or text content type, unless it carries one of PREFLIGHT_HEADERS. JSON POSTs (what GraphiQL and
 * every GraphQL client send) always pass.
 */
export function csrfPrevention(): Plugin {
  return {
    onRequestParse({ request }) {
      const mediaType = request.headers.get('content-type')?.split(';')[0]?.trim().toLowerCase() ?? '';
      if (mediaType !== '' && !SIMPLE_MEDIA_TYPES.has(mediaType)) return;
      if (PREFLIGHT_HEADERS.some((header) => request.headers.has(header))) return;
      throw badRequest(
        400,
        'This request was blocked as a possible cross-site request forgery: send Content-Type: application/json, or the header X-GraphQL-Yoga-CSRF.',
      );
    },
  };
}
