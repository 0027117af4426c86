import { RequestMethod } from '@nestjs/common';
import { AppConfig } from '@symbiose/core';
import type { Params } from 'nestjs-pino';
import type { DestinationStream } from 'pino';
import type { Options } from 'pino-http';
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

const REQUEST_ID = /^[A-Za-z0-9._-]{1,64}$/;

/** Structured JSON logs, one line per request with its request id; credentials are redacted. */
export function loggerOptions(config: AppConfig, destination?: DestinationStream): Params {
  const options: Options = {
    level: config.LOG_LEVEL,
    genReqId: (req: IncomingMessage) => {
      const header = req.headers['x-request-id'];
      const given = Array.isArray(header) ? header[0] : header;
      return given && REQUEST_ID.test(given) ? given : randomUUID();
    },
    redact: {
      paths: [
        'req.headers.authorization',
        'req.headers["x-api-key"]',
        'req.headers.cookie',
        'res.headers["set-cookie"]',
        '*.password',
        '*.accessToken',
        '*.secret',
      ],
      censor: '[redacted]',
    },
    serializers: {
      req: (req: { id: string; method: string; url: string }) => ({
        id: req.id,
        method: req.method,
        url: req.url,
      }),
      res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
    },
    customProps: () => ({ service: 'api' }),
    autoLogging: { ignore: (req: IncomingMessage) => (req.url ?? '').startsWith('/health') },
  };
  return {
    pinoHttp: destination ? [options, destination] : options,
    // Every route, in the router syntax of Nest 11: the library's default ('*'), under the global
    // prefix, made Nest warn at every boot that it had to convert the legacy wildcard "/api/v1/*".
    forRoutes: [{ path: '{*path}', method: RequestMethod.ALL }],
  };
}
