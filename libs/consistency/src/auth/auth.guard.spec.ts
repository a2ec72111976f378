import { Controller, Get, INestApplication } from '@nestjs/common';
import type { Server } from 'node:http';
import { APP_GUARD } from '@nestjs/core';
import { Test } from '@nestjs/testing';
import request from 'supertest';
import { AUTH_OPTIONS } from './auth.module-definition';
import { loadAuthOptions } from './auth.options';
import { AuthGuard } from './auth.guard';
import { CurrentPrincipal } from './current-principal.decorator';
import type { Principal } from './principal';
import { Public } from './public.decorator';
import { Roles } from './roles.decorator';
import { signToken } from './sign-token';
import { TokenVerifier } from './token-verifier';

const secret = 'guard-spec-secret-with-at-least-32-chars';

@Controller()
class ProbeController {
  @Public()
  @Get('open')
  open(): string {
    return 'open';
  }

  @Get('me')
  me(@CurrentPrincipal() principal: Principal): Principal {
    return principal;
  }

  @Roles('admin')
  @Get('admin')
  admin(): string {
    return 'admin';
  }
}

describe('AuthGuard', () => {
  let app: INestApplication;
  const token = (sub: string, roles: Principal['roles']) => signToken(secret, { sub, roles });
  const server = () => app.getHttpServer() as Server;

  beforeAll(async () => {
    const moduleRef = await Test.createTestingModule({
      controllers: [ProbeController],
      providers: [
        { provide: TokenVerifier, useValue: new TokenVerifier(loadAuthOptions({ AUTH_JWT_SECRET: secret })) },
        { provide: AUTH_OPTIONS, useValue: { realm: 'order' } },
        { provide: APP_GUARD, useClass: AuthGuard },
      ],
    }).compile();
    app = moduleRef.createNestApplication({ logger: false });
    await app.init();
  });

  afterAll(() => app.close());

  it('when a route is public, then it answers without a token', async () => {
    await request(server()).get('/open').expect(200, 'open');
  });

  it('when no token is sent, then 401 with a bare Bearer challenge', async () => {
    const response = await request(server()).get('/me').expect(401);
    expect(response.headers['www-authenticate']).toBe('Bearer realm="order"');
    expect(response.body).toEqual({
      statusCode: 401,
      error: 'Unauthorized',
      message: expect.stringContaining('bearer token is required'),
    });
  });

  it.each([
    ['another scheme', 'Basic YWxpY2U6cGFzc3dvcmQ=', 'invalid_request'],
    ['an empty bearer', 'Bearer ', 'invalid_request'],
    ['a garbage token', 'Bearer abc.def.ghi', 'invalid_token'],
  ])('when the Authorization header holds %s, then 401 says why in the challenge', async (_case, header, code) => {
    const response = await request(server()).get('/me').set('authorization', header).expect(401);
    expect(response.headers['www-authenticate']).toMatch(
      new RegExp(`^Bearer realm="order", error="${code}", error_description="[^"]+"$`),
    );
  });

  it('when the token is valid, then the handler gets its principal', async () => {
    const response = await request(server())
      .get('/me')
      .set('authorization', `Bearer ${await token('alice', ['customer'])}`)
      .expect(200);
    expect(response.body).toEqual({ sub: 'alice', roles: ['customer'] });
  });

  it('when the token lacks the role a route requires, then 403; with it, 200', async () => {
    const customer = await token('alice', ['customer']);
    const forbidden = await request(server()).get('/admin').set('authorization', `Bearer ${customer}`);
    expect(forbidden.status).toBe(403);
    expect(forbidden.body.message).toContain('requires the role admin');
    const admin = await token('root', ['admin']);
    await request(server()).get('/admin').set('authorization', `bearer ${admin}`).expect(200, 'admin');
  });
});
