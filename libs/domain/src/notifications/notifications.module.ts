import { Module } from '@nestjs/common';
import { NotificationsService } from './notifications.service';

/** The notification feed. Needs the global TypeORM DataSource (DatabaseModule). */
@Module({ providers: [NotificationsService], exports: [NotificationsService] })
export class NotificationsModule {}
