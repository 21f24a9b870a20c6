import PDFDocument from 'pdfkit'

/** What the PDF shows. */
export interface CertificatePdfInput {
  platformName: string
  learnerName: string
  courseTitle: string
  issuedAt: Date
  code: string
  verifyUrl: string
  revoked: boolean
}

/**
 * Renders a one-page landscape A4 certificate: issuer, learner, course, date, verification code and
 * URL. Built on request from the stored row (nothing to keep in sync). `compress: false` leaves the
 * content streams readable, which tests use. Uses the PDF standard Helvetica fonts (WinAnsi): names in
 * scripts outside Latin-1 print imperfectly until an embedded Unicode font is added.
 */
export function renderCertificatePdf(
  input: CertificatePdfInput,
  options: { compress?: boolean } = {},
): Promise<Buffer> {
  const doc = new PDFDocument({
    size: 'A4',
    layout: 'landscape',
    margin: 56,
    compress: options.compress ?? true,
    info: {
      Title: `Certificate of completion: ${input.courseTitle}`,
      Author: input.platformName,
      Subject: `Verification code ${input.code}`,
    },
  })
  const chunks: Buffer[] = []
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on('data', (chunk: Buffer) => chunks.push(chunk))
    doc.on('end', () => resolve(Buffer.concat(chunks)))
    doc.on('error', reject)
  })

  const { width, height } = doc.page
  const inner = width - 2 * 56
  doc
    .lineWidth(3)
    .rect(28, 28, width - 56, height - 56)
    .stroke('#1f3a5f')
  doc
    .lineWidth(1)
    .rect(36, 36, width - 72, height - 72)
    .stroke('#1f3a5f')

  doc.fillColor('#1f3a5f').font('Helvetica-Bold').fontSize(16)
  doc.text(input.platformName.toUpperCase(), 56, 70, { width: inner, align: 'center', characterSpacing: 2 })
  doc.moveDown(1.2).font('Helvetica-Bold').fontSize(34)
  doc.text('Certificate of Completion', { width: inner, align: 'center' })
  doc.moveDown(1).font('Helvetica').fontSize(14).fillColor('#333333')
  doc.text('This certifies that', { width: inner, align: 'center' })
  doc.moveDown(0.6).font('Helvetica-Bold').fontSize(28).fillColor('#000000')
  doc.text(input.learnerName, { width: inner, align: 'center' })
  doc.moveDown(0.6).font('Helvetica').fontSize(14).fillColor('#333333')
  doc.text('has completed the course', { width: inner, align: 'center' })
  doc.moveDown(0.6).font('Helvetica-Bold').fontSize(22).fillColor('#1f3a5f')
  doc.text(input.courseTitle, { width: inner, align: 'center' })
  doc.moveDown(1).font('Helvetica').fontSize(13).fillColor('#333333')
  const date = input.issuedAt.toLocaleDateString('en-GB', {
    day: 'numeric',
    month: 'long',
    year: 'numeric',
    timeZone: 'UTC',
  })
  doc.text(`Issued on ${date} by ${input.platformName}`, { width: inner, align: 'center' })
  if (input.revoked) {
    doc.moveDown(0.6).font('Helvetica-Bold').fontSize(16).fillColor('#b00020')
    doc.text('REVOKED', { width: inner, align: 'center' })
  }

  doc.font('Helvetica').fontSize(11).fillColor('#333333')
  doc.text(`Verification code: ${input.code}`, 56, height - 110, { width: inner, align: 'center' })
  doc.text(`Verify at ${input.verifyUrl}`, { width: inner, align: 'center', link: input.verifyUrl })
  doc.end()
  return done
}
