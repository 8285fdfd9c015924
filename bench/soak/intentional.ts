/** The message of the soak app's intentional failures: any other failure logged is unexpected. */
export const INTENTIONAL_MESSAGE = 'soak: intentional failure';
