// @vitest-environment jsdom
import { MantineProvider } from '@mantine/core'
import { cleanup, fireEvent, render, screen } from '@testing-library/react'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { installDomStubs } from '../../test-setup.ts'
import { emptyQuiz, type QuizDraft } from './quiz.ts'
import { QuizEditor } from './QuizEditor.tsx'

installDomStubs()
// Mantine's autosize textarea listens to font loading, which jsdom lacks.
if (!('fonts' in document))
  Object.defineProperty(document, 'fonts', {
    value: { addEventListener: () => undefined, removeEventListener: () => undefined },
  })
afterEach(cleanup)

function renderEditor(onSave = vi.fn<(d: QuizDraft) => void>()) {
  render(
    <MantineProvider>
      <QuizEditor initial={emptyQuiz()} onSave={(d) => onSave(d)} />
    </MantineProvider>,
  )
  return onSave
}

const type = (label: string | RegExp, value: string) =>
  fireEvent.change(screen.getByLabelText(label), { target: { value } })

describe('quiz editor', () => {
  it('shows what is missing next to the fields and does not save', () => {
    const onSave = renderEditor()
    fireEvent.click(screen.getByRole('button', { name: 'Save quiz' }))
    expect(onSave).not.toHaveBeenCalled()
    expect(screen.getByText('Give the quiz a title')).toBeTruthy()
    expect(screen.getByText('Write the question')).toBeTruthy()
    expect(screen.getAllByText('Write this choice or remove it')).toHaveLength(2)
    expect(screen.getByText('Mark the one correct choice')).toBeTruthy()
    expect(screen.getAllByRole('alert').some((a) => /fields need attention/.test(a.textContent ?? ''))).toBe(
      true,
    )
  })

  it('saves a quiz with a question, its choices and the marked correct answer', () => {
    const onSave = renderEditor()
    type(/Quiz title/, 'Checkpoint')
    type(/Pass mark/, '80')
    type(/Time limit/, '15')
    type(/Question text/, 'Which keyword declares a constant?')
    type('Choice 1', 'let')
    type('Choice 2', 'const')
    fireEvent.click(screen.getByRole('radio', { name: 'Choice 2 is correct' }))
    fireEvent.click(screen.getByRole('button', { name: 'Save quiz' }))
    expect(onSave).toHaveBeenCalledTimes(1)
    const draft = onSave.mock.calls[0]![0]
    expect(draft).toMatchObject({ title: 'Checkpoint', passPercent: 80, timeLimitMinutes: 15 })
    expect(draft.questions[0]).toMatchObject({
      prompt: 'Which keyword declares a constant?',
      options: [
        { id: 'a', text: 'let' },
        { id: 'b', text: 'const' },
      ],
      correct: ['b'],
    })
  })

  it('adds and removes choices and questions', () => {
    renderEditor()
    fireEvent.click(screen.getByRole('button', { name: '+ Add choice' }))
    expect(screen.getByLabelText('Choice 3')).toBeTruthy()
    fireEvent.click(screen.getByRole('button', { name: 'Remove choice 3' }))
    expect(screen.queryByLabelText('Choice 3')).toBeNull()
    // two choices is the minimum
    expect((screen.getByRole('button', { name: 'Remove choice 1' }) as HTMLButtonElement).disabled).toBe(true)
    fireEvent.click(screen.getByRole('button', { name: '+ Add question' }))
    expect(screen.getByRole('group', { name: 'Question 2' })).toBeTruthy()
    fireEvent.click(screen.getByRole('button', { name: 'Remove question 1' }))
    expect(screen.queryByRole('group', { name: 'Question 2' })).toBeNull()
  })

  it('clears a fixed error as soon as the field is corrected', () => {
    renderEditor()
    fireEvent.click(screen.getByRole('button', { name: 'Save quiz' }))
    expect(screen.getByText('Give the quiz a title')).toBeTruthy()
    type(/Quiz title/, 'Now titled')
    expect(screen.queryByText('Give the quiz a title')).toBeNull()
  })
})
