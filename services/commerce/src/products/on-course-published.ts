import { defineHandler, newId, type EventHandler } from '@learnmesh/kernel'
import { learningCoursePublished } from '@learnmesh/contracts'
import { createProductsRepository } from './products.repository.ts'
import { addPrice } from './products.service.ts'

const repo = createProductsRepository()

/**
 * learning.course.published → the course's product exists with the published title and the owner
 * as payee; when it has no price yet and the event's display price is > 0 in a valid currency, a
 * default price is created from it (commerce owns prices afterwards: later publications never
 * overwrite a price). Idempotent.
 */
export const onCoursePublished = defineHandler({
  event: learningCoursePublished,
  async handle(tx, payload, envelope, { log }) {
    const orgId = envelope.orgId
    if (!orgId) {
      log.warn({ courseId: payload.courseId }, 'course.published without orgId: ignored')
      return
    }
    const title = payload.title.slice(0, 200) || payload.courseId
    let product = await repo.findProductByRef(tx, orgId, 'course', payload.courseId)
    if (product) {
      product = (await repo.updateProduct(tx, orgId, product.id, { title, payeeUserId: payload.ownerId }))!
    } else {
      await repo.insertProduct(tx, {
        id: newId('prd'),
        orgId,
        type: 'course',
        ref: payload.courseId,
        title,
        payeeUserId: payload.ownerId,
      })
      product = (await repo.findProductByRef(tx, orgId, 'course', payload.courseId))!
    }
    const currency = payload.currency.toUpperCase()
    if (
      payload.priceMinor > 0 &&
      payload.priceMinor <= 1_000_000_000 &&
      /^[A-Z]{3}$/.test(currency) &&
      (await repo.listPrices(tx, orgId, product.id)).length === 0
    ) {
      await addPrice(tx, product, { currency, unitAmountMinor: payload.priceMinor })
    }
  },
}) as EventHandler
