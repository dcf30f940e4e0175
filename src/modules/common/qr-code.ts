import QRCode from 'qrcode';
import { Field, ObjectType, registerEnumType } from 'type-graphql';

export enum QrCodeFormat {
  SVG = 'SVG',
  PNG = 'PNG',
}
registerEnumType(QrCodeFormat, {
  name: 'QrCodeFormat',
  description: 'Image format of a QR code.',
  valuesConfig: {
    PNG: { description: 'A PNG image, base64-encoded.' },
    SVG: { description: 'An SVG document.' },
  },
});

@ObjectType({ description: 'A link rendered as a QR code (invite links, contact cards).' })
export class QrCode {
  @Field(() => QrCodeFormat, { description: 'The image format.' })
  format!: QrCodeFormat;

  @Field(() => String, { description: '`image/svg+xml` or `image/png`.' })
  mimeType!: string;

  @Field(() => String, { description: 'SVG: the document text. PNG: base64.' })
  data!: string;

  @Field(() => String, { description: 'The link the code encodes.' })
  url!: string;
}

/** Renders `url` as a QR code (qrcode package), medium error correction. */
export async function renderQrCode(url: string, format: QrCodeFormat): Promise<QrCode> {
  const options = { errorCorrectionLevel: 'M' as const, margin: 2 };
  return format === QrCodeFormat.SVG
    ? { format, mimeType: 'image/svg+xml', data: await QRCode.toString(url, { ...options, type: 'svg' }), url }
    : { format, mimeType: 'image/png', data: (await QRCode.toBuffer(url, { ...options, type: 'png', width: 512 })).toString('base64'), url };
}
