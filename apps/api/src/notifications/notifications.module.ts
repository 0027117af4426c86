import { Module } from '@nestjs/common';
import { NotificationsModule } from '@symbiose/domain';
import { NotificationsController } from './notifications.controller';

@Module({ imports: [NotificationsModule], controllers: [NotificationsController] })
export class NotificationsApiModule {}
