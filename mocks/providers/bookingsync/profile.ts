/** BookingSync's behaviour as data (placeholder until its issue lands). */
export interface BookingsyncOptions {}

export const bookingsyncDefaultOptions: BookingsyncOptions = {}
