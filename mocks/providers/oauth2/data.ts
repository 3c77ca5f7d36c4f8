import type { Oauth2User } from './profile.ts'

/**
 * The generic provider's users, as its profile declares them (any fields beside an integer `id`),
 * plus those a config file or `createFakes({ fixtures })` adds. A `Map` by id: the resource reads
 * one user per request.
 */
export function createOauth2Data(users: readonly Oauth2User[]) {
  const byId = new Map<number, Oauth2User>()
  for (const u of users) byId.set(u.id, { ...u })
  return {
    addUser(user: Oauth2User) {
      byId.set(user.id, { ...user })
    },
    user: (id: number | null): Oauth2User | undefined => (id === null ? undefined : byId.get(id)),
    users: (): Oauth2User[] => [...byId.values()],
  }
}

export type Oauth2Data = ReturnType<typeof createOauth2Data>

/** What a consent page calls a user: the first of `name`, `login`, `preferred_username`, `email`. */
export function userLabel(user: Oauth2User): string {
  return firstString(user, ['name', 'login', 'preferred_username', 'username', 'email'])
}

/** RFC 7662 §2.2 `username`: the first of `preferred_username`, `login`, `username`, `name`, `email`. */
export function usernameOf(user: Oauth2User): string {
  return firstString(user, ['preferred_username', 'login', 'username', 'name', 'email'])
}

function firstString(user: Oauth2User, keys: readonly string[]): string {
  for (const key of keys) {
    const value = user[key]
    if (typeof value === 'string' && value !== '') return value
  }
  return `User ${user.id}`
}
