import { ArgumentsHost } from '@nestjs/common';
import { QueryFailedError } from 'typeorm';
import { AllExceptionsFilter } from './all-exceptions.filter';

/** Sends an exception through the filter and returns the status and body it replied with. */
function reply(exception: unknown): { status: number; body: { code: string; statusCode: number } } {
  const sent: { status: number; body: { code: string; statusCode: number } } = {
    status: 0,
    body: { code: '', statusCode: 0 },
  };
  const fastifyReply = {
    getHeader: () => undefined,
    header: () => fastifyReply,
    status: (status: number) => {
      sent.status = status;
      return fastifyReply;
    },
    send: (body: { code: string; statusCode: number }) => {
      sent.body = body;
      return fastifyReply;
    },
  };
  const host = {
    switchToHttp: () => ({ getResponse: () => fastifyReply, getRequest: () => ({ id: 'req-1' }) }),
  } as unknown as ArgumentsHost;
  new AllExceptionsFilter().catch(exception, host);
  return sent;
}

function postgresError(code: string): QueryFailedError {
  return new QueryFailedError('UPDATE matches …', [], Object.assign(new Error('pg'), { code }));
}

describe('AllExceptionsFilter: Postgres failures a retry resolves', () => {
  it.each([
    ['40P01', 'deadlock'],
    ['40001', 'serialization failure'],
    ['57014', 'statement cancelled (a full re-match swapping the matches table in)'],
  ])('%s (%s) is a 409 conflict, not a 500', (code) => {
    expect(reply(postgresError(code))).toEqual({
      status: 409,
      body: expect.objectContaining({ statusCode: 409, code: 'CONFLICT' }),
    });
  });

  it('any other query failure stays a 500', () => {
    expect(reply(postgresError('XX000')).status).toBe(500);
  });
});
