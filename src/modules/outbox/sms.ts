import type { Logger } from 'pino';
import type { SmsSettings } from '../../config';
import { AliyunSmsAdapter } from './sms-aliyun';
import { TwilioSmsAdapter } from './sms-twilio';
import { LogDeliveryAdapter, type DeliveryAdapter } from './outbox.dispatcher';

/** An SMS provider: sends one outbox message of channel SMS, throws when the provider refused it or could not be reached. */
export type SmsAdapter = DeliveryAdapter;

/** The adapter `SMS_URL` names: Twilio, Alibaba Cloud SMS, or the log. */
export function createSmsAdapter(settings: SmsSettings, logger: Logger): SmsAdapter {
  switch (settings.provider) {
    case 'twilio':
      return new TwilioSmsAdapter(settings);
    case 'aliyun':
      return new AliyunSmsAdapter(settings);
    case 'log':
      return new LogDeliveryAdapter(logger);
  }
}

