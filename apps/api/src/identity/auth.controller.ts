import { Body, Controller, Get, HttpCode, Ip, Post, Put, Res } from '@nestjs/common';
import { ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Principal, PLATFORM_SCOPE, UserRepository, UsersService } from '@symbiose/domain';
import type { FastifyReply } from 'fastify';
import { CurrentPrincipal } from '../auth/current-principal.decorator';
import { Public } from '../auth/public.decorator';
import { ApiAuth, ApiErrors } from './api-docs';
import { AuthService, LoginThrottledError } from './auth.service';
import { ChangePasswordRequest, LoginRequest } from './dto/identity.requests';
import { LoginResponse, MeResponse, UserResponse } from './dto/identity.responses';

@ApiTags('auth')
@Controller('auth')
export class AuthController {
  constructor(
    private readonly auth: AuthService,
    private readonly usersService: UsersService,
    private readonly users: UserRepository,
  ) {}

  @Public()
  @Post('login')
  @HttpCode(200)
  @ApiOperation({ summary: 'Exchange e-mail and password for a short-lived access token' })
  @ApiOkResponse({ type: LoginResponse })
  @ApiErrors(400, 401, 429)
  async login(
    @Body() body: LoginRequest,
    @Ip() ip: string,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<LoginResponse> {
    try {
      const { userId, accessToken } = await this.auth.login(body.email, body.password, ip);
      const user = await this.users.findById(PLATFORM_SCOPE, userId);
      if (!user) throw new Error('Logged-in user vanished');
      return {
        accessToken,
        tokenType: 'Bearer',
        expiresIn: this.auth.tokenTtlSeconds,
        user: UserResponse.from(user),
      };
    } catch (err) {
      if (err instanceof LoginThrottledError) void reply.header('retry-after', String(err.retryAfterSeconds));
      throw err;
    }
  }

  @Get('me')
  @ApiAuth()
  @ApiOperation({ summary: 'The caller' })
  @ApiOkResponse({ type: MeResponse })
  @ApiErrors(401)
  async me(@CurrentPrincipal() principal: Principal): Promise<MeResponse> {
    const user = await this.usersService.me(principal);
    return { ...UserResponse.from(user), authenticatedVia: principal.via };
  }

  @Put('me/password')
  @HttpCode(204)
  @ApiAuth()
  @ApiOperation({ summary: 'Change your own password (from a logged-in session)' })
  @ApiNoContentResponse({ description: 'Changed' })
  @ApiErrors(400, 401, 403)
  async changePassword(
    @CurrentPrincipal() principal: Principal,
    @Body() body: ChangePasswordRequest,
  ): Promise<void> {
    await this.usersService.changeOwnPassword(principal, body.currentPassword, body.newPassword);
  }
}
